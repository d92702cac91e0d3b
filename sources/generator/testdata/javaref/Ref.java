import java.util.*;
// Independent transcription of SPEC §3 using the real java.util.Random, to cross-check the Go port.
public class Ref {
  static final String[] ST={"AZ","CA","ID","OR","WA","WY"};
  static final String[] CI={"Phoenix","Los Angeles","San Francisco","Boise","Portland","Bend","Redmond","Seattle","Kent","Cheyenne"};
  static final String[] FN={"Peter","Paul","Luke","John","Saul","Vicky","Kate","Julie","Sarah","Deiter","Walter"};
  static final String[] LN={"Shultz","Abrams","Spencer","White","Bartels","Walton","Smith","Jones","Noris"};
  static final String[] HC={"Google","Facebook","Baidu","Apple"};
  static String[] HU=new String[4]; static String[] CC=new String[10000], CU=new String[10000];
  static char[] BUF=new char[1<<20];
  static long base; static double delayUs; static long fid, fnum, seedx;
  static String nextString(Random r,int max,char sp){int len=3+r.nextInt(max-3);StringBuilder sb=new StringBuilder();while(len-->0){if(r.nextInt(13)==0)sb.append(sp);else sb.append((char)('a'+r.nextInt(26)));}return sb.toString().trim();}
  static String baseUrl(Random r){return "https://www.nexmark.com/"+nextString(r,5,'_')+"/"+nextString(r,5,'_')+"/"+nextString(r,5,'_')+"/item.htm?query=1";}
  static long nextLong(Random r,long n){ if(n<Integer.MAX_VALUE) return r.nextInt((int)n); return Math.abs(r.nextLong()%n);}
  static long price(Random r){return Math.round(Math.pow(10.0,r.nextDouble()*6.0)*100.0);}
  static String extra(Random r,int cur,int avg){ if(cur>avg)return ""; avg-=cur; int delta=(int)Math.round(avg*0.2); int size=(avg-delta)+(delta==0?0:r.nextInt(2*delta)); int off=r.nextInt((1<<20)-size); return new String(BUF,off,size);}
  static long ts(long num){return base+(long)(num*delayUs)/1000;}
  static long lastP(long e){long ep=e/50,off=e%50; if(off>=1)off=0; return ep*1+off;}
  static long lastA(long e){long ep=e/50,off=e%50; if(off<1){ep--;off=2;}else if(off>=4){off=2;}else{off-=1;} return ep*3+off;}
  static long nextP(long e,Random r){long num=lastP(e)+1; long act=Math.min(num,1000); return num-act+nextLong(r,act+10);}
  static long nextA(long e,Random r){long mx=lastA(e); long mn=Math.max(mx-100,0); return mn+nextLong(r,mx-mn+1+10);}
  static String ev(long k){
    long num=fnum+k; long e=fid+num; Random r=new Random(e^seedx); long dt=ts(num); long rem=e%50;
    if(rem<1){ long id=lastP(e)+1000; String name=FN[r.nextInt(11)]+" "+LN[r.nextInt(9)];
      String email=nextString(r,7,' ')+"@"+nextString(r,5,' ')+".com";
      String cc=String.format("%04d %04d %04d %04d",r.nextInt(10000),r.nextInt(10000),r.nextInt(10000),r.nextInt(10000));
      String city=CI[r.nextInt(10)], st=ST[r.nextInt(6)];
      String x=extra(r,8+name.length()+email.length()+cc.length()+city.length()+st.length(),200);
      return "P|"+id+"|"+name+"|"+email+"|"+cc+"|"+city+"|"+st+"|"+dt+"|"+x;
    } else if(rem<4){ long id=lastA(e)+1000; long seller= r.nextInt(4)>0 ? (lastP(e)/100)*100 : nextP(e,r); seller+=1000;
      long cat=10+r.nextInt(5); long ib=price(r);
      long ahead=(100L*50)/3; long hz=ts(num+ahead)-dt; long exp=dt+1L+nextLong(r,Math.max(hz*2,1L));
      String nm=nextString(r,20,' '), de=nextString(r,100,' '); long res=ib+price(r);
      String x=extra(r,8+nm.length()+de.length()+40,500);
      return "A|"+id+"|"+nm+"|"+de+"|"+ib+"|"+res+"|"+dt+"|"+exp+"|"+seller+"|"+cat+"|"+x;
    } else { long a= r.nextInt(2)>0 ? (lastA(e)/100)*100 : nextA(e,r); a+=1000;
      long b= r.nextInt(4)>0 ? (lastP(e)/100)*100+1 : nextP(e,r); b+=1000;
      long p=price(r); String ch,u; if(r.nextInt(2)>0){int i=r.nextInt(4);ch=HC[i];u=HU[i];}else{int c=r.nextInt(10000);ch=CC[c];u=CU[c];}
      String x=extra(r,32,100);
      return "B|"+a+"|"+b+"|"+p+"|"+ch+"|"+u+"|"+dt+"|"+x;
    }
  }
  public static void main(String[] a){
    Random r=new Random(0); for(int i=0;i<4;i++)HU[i]=baseUrl(r);
    for(int i=0;i<10000;i++){String u=baseUrl(r); if(r.nextInt(10)>0)u+="&channel_id="+Math.abs(Integer.reverse(i)); CU[i]=u; CC[i]="channel-"+i;}
    Random b=new Random(1); for(int j=0;j<BUF.length;j++)BUF[j]=(char)('a'+b.nextInt(26));
    // sections: name base rate fid fnum seed kstart n
    String[][] secs={{"spec","1436918400000","10000","0","0","0","0","300"},
                     {"far","1436918400000","10000","0","0","0","10000000","100"},
                     {"seed7","1436918400000","10000","0","0","7","0","60"},
                     {"flink","1436918400000","10000","1","1","0","0","60"},
                     {"fast","1436918400000","10000000","0","0","0","123456789","60"},
                     {"slow","0","3","0","0","0","0","60"}};
    for(String[] s:secs){ base=Long.parseLong(s[1]); delayUs=1_000_000.0/Double.parseDouble(s[2]); fid=Long.parseLong(s[3]); fnum=Long.parseLong(s[4]); seedx=Long.parseLong(s[5]);
      long k0=Long.parseLong(s[6]); int n=Integer.parseInt(s[7]);
      for(long k=k0;k<k0+n;k++) System.out.println(s[0]+"|"+k+"|"+ev(k)); }
    // static tables
    for(int i=0;i<4;i++) System.out.println("hot|"+i+"|"+HU[i]);
    for(int i=0;i<10000;i+=997) System.out.println("cache|"+i+"|"+CU[i]);
    System.out.println("cache|1|"+CU[1]);
    System.out.println("buf|"+new String(BUF,0,64)+"|"+new String(BUF,(1<<20)-64,64));
  }
}
